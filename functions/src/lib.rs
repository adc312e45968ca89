//! The GLChat conversation Lambdas: one handler module per endpoint or event
//! (`handlers`), the route table that maps each operation to its handler (`routes`),
//! the functions AWS events start (`triggers`), the Lambda entry point every binary
//! calls (`lambda`), and the local API server (`local`), which enforces what API
//! Gateway and Lambda enforce (`gateway`) and runs the stream's functions on the
//! table's records as their event sources would (`local_stream`).

pub mod gateway;
pub mod handlers;
pub mod lambda;
pub mod local;
pub mod local_stream;
pub mod routes;
pub mod triggers;
