//! Lambda `create_attachment`: the handler is `handlers::create_attachment`.
glchat_functions::lambda_main!(create_attachment);
