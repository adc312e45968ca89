//! Lambda `GET /me/erasure/{erasure_id}`: the handler is `handlers::get_erasure`.
glchat_functions::lambda_main!(get_erasure);
