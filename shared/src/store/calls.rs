//! Counts the DynamoDB operations a client makes. Attached to every client we build, so
//! tests hold each endpoint to its budget and logs can report calls per request.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The operation names (`Query`, `TransactWriteItems`, ...) seen since the last `take`,
/// and the read capacity the calls that report it consumed.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<String>>>, Arc<Mutex<Consumed>>);

/// Capacity consumed by the reads that asked DynamoDB to report it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Consumed {
    pub read_units: f64,
    pub items_read: u64,
}

impl CallLog {
    /// Returns and forgets the calls made so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Returns and forgets the capacity recorded so far.
    pub fn take_consumed(&self) -> Consumed {
        std::mem::take(&mut *self.1.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn record_read(&self, read_units: Option<f64>, items: usize) {
        let mut consumed = self.1.lock().unwrap_or_else(|e| e.into_inner());
        consumed.read_units += read_units.unwrap_or(0.0);
        consumed.items_read += items as u64;
    }

    pub(crate) fn interceptor(&self) -> CallCounter {
        CallCounter(self.clone())
    }
}

#[derive(Debug)]
pub(crate) struct CallCounter(CallLog);

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
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
}
