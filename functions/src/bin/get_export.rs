//! Lambda `GET /conversations/exports/{export_id}`: the handler is `handlers::get_export`.
glchat_functions::lambda_main!(get_export);
