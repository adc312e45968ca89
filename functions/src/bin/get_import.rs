//! Lambda `get_import`: the handler is `handlers::get_import`.
glchat_functions::lambda_main!(get_import);
