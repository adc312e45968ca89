//! Lambda `start_import` (S3 uploads of imports): the handler is `handlers::start_import`.
glchat_functions::event_main!(start_import);
