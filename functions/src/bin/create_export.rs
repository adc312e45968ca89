//! Lambda `POST /conversations/exports`: the handler is `handlers::create_export`.
glchat_functions::lambda_main!(create_export);
