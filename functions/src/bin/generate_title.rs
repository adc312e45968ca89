//! Lambda `generate_title`: the handler is `handlers::generate_title`.
glchat_functions::lambda_main!(generate_title);
