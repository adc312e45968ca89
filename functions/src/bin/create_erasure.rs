//! Lambda `POST /me/erasure`: the handler is `handlers::create_erasure`.
glchat_functions::lambda_main!(create_erasure);
