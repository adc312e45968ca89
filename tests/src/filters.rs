//! Lambda's event filtering, for the patterns the stream's functions are given
//! (`glchat_functions::triggers`, the same as `template.yaml`'s): the local stream's own
//! matcher, which `make run` uses too.

pub use glchat_functions::local_stream::matches;
