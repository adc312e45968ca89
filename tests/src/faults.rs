//! Failure injection on the real SDK clients: the named operation fails the next `n`
//! times, as if the service were unreachable, and works again afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone)]
pub struct Fault {
    operation: &'static str,
    remaining: Arc<AtomicUsize>,
}

impl Fault {
    /// `operation` (e.g. `DeleteObjects`, `BatchWriteItem`) fails its next `times` calls.
    pub fn fail(operation: &'static str, times: usize) -> Self {
        Self {
            operation,
            remaining: Arc::new(AtomicUsize::new(times)),
        }
    }

    /// Failures still to come.
    pub fn remaining(&self) -> usize {
        self.remaining.load(Ordering::SeqCst)
    }

    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }
}

impl Intercept for Fault {
    fn name(&self) -> &'static str {
        "Fault"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let this_operation = cfg.load::<Metadata>().is_some_and(|m| m.name() == self.operation);
        let fire = this_operation
            && self
                .remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if fire {
            Err(format!("injected failure of {}", self.operation).into())
        } else {
            Ok(())
        }
    }
}
