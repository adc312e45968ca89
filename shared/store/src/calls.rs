//! Counts the DynamoDB operations a client makes and the capacity they consume.
//! Attached to every client we build: tests hold each endpoint to its budget, each
//! Lambda invocation logs its calls and capacity units, the benchmarks add them up.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::operation::{
    batch_get_item, batch_write_item, delete_item, get_item, put_item, query, transact_get_items, transact_write_items,
    update_item,
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
    Input, Output,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The operation names (`Query`, `TransactWriteItems`, ...) seen since the last `take`,
/// and the capacity they consumed.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<String>>>, Arc<Mutex<Consumed>>);

/// Capacity units DynamoDB reported for the calls, and the items searches read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumed {
    pub read_units: f64,
    pub write_units: f64,
    pub items_read: u64,
}

impl CallLog {
    /// Returns and forgets the calls made so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Returns and forgets the capacity recorded so far.
    pub fn take_consumed(&self) -> Consumed {
        std::mem::take(&mut *self.consumed())
    }

    pub(crate) fn record_items(&self, items: usize) {
        self.consumed().items_read += items as u64;
    }

    fn consumed(&self) -> std::sync::MutexGuard<'_, Consumed> {
        self.1.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The interceptor that fills this log; every SDK client the app builds has one.
    pub fn interceptor(&self) -> CallCounter {
        CallCounter(self.clone())
    }
}

#[derive(Debug)]
pub struct CallCounter(CallLog);

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Every operation reports what it consumed: the numbers cost is computed from.
    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ask_for_capacity(context.input_mut());
        Ok(())
    }

    // Once per operation (retries are not new calls), after the operation's own
    // configuration, which carries its name, is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            self.0
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(metadata.name().to_owned());
        }
        Ok(())
    }

    // Once per operation, with the final attempt's output.
    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Ok(output)) = context.output_or_error() {
            let (reads, capacities) = reported_capacity(output);
            let units: f64 = capacities.iter().filter_map(|c| c.capacity_units()).sum();
            let mut consumed = self.0.consumed();
            if reads {
                consumed.read_units += units;
            } else {
                consumed.write_units += units;
            }
        }
        Ok(())
    }
}

/// Sets `ReturnConsumedCapacity = TOTAL` on the input of every operation that takes it.
fn ask_for_capacity(input: &mut Input) {
    macro_rules! total {
        ($($input:ty),*) => {
            $(if let Some(input) = input.downcast_mut::<$input>() {
                input.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                return;
            })*
        };
    }
    total!(
        get_item::GetItemInput,
        query::QueryInput,
        batch_get_item::BatchGetItemInput,
        transact_get_items::TransactGetItemsInput,
        put_item::PutItemInput,
        update_item::UpdateItemInput,
        delete_item::DeleteItemInput,
        batch_write_item::BatchWriteItemInput,
        transact_write_items::TransactWriteItemsInput
    );
}

/// Whether the operation reads (else it writes), and the capacity its output reports.
fn reported_capacity(output: &Output) -> (bool, Vec<&ConsumedCapacity>) {
    macro_rules! reported {
        ($reads:expr; $($output:ty),*) => {
            $(if let Some(output) = output.downcast_ref::<$output>() {
                return ($reads, output.consumed_capacity.capacities());
            })*
        };
    }
    reported!(true; get_item::GetItemOutput, query::QueryOutput);
    reported!(true; batch_get_item::BatchGetItemOutput, transact_get_items::TransactGetItemsOutput);
    reported!(false; put_item::PutItemOutput, update_item::UpdateItemOutput, delete_item::DeleteItemOutput);
    reported!(false; batch_write_item::BatchWriteItemOutput, transact_write_items::TransactWriteItemsOutput);
    (true, Vec::new())
}

/// One `ConsumedCapacity` (single-item operations and queries) or one per table
/// (batches and transactions).
trait Capacities {
    fn capacities(&self) -> Vec<&ConsumedCapacity>;
}

impl Capacities for Option<ConsumedCapacity> {
    fn capacities(&self) -> Vec<&ConsumedCapacity> {
        self.iter().collect()
    }
}

impl Capacities for Option<Vec<ConsumedCapacity>> {
    fn capacities(&self) -> Vec<&ConsumedCapacity> {
        self.iter().flatten().collect()
    }
}
