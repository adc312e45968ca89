//! Lambda `get_share`: the handler is `handlers::get_share`.
glchat_functions::lambda_main!(get_share);
