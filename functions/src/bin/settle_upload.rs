//! Lambda `settle_upload` (S3 events): the handler is `handlers::settle_upload`.
glchat_functions::event_main!(settle_upload);
