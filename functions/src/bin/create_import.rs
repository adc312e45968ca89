//! Lambda `create_import`: the handler is `handlers::create_import`.
glchat_functions::lambda_main!(create_import);
