//! Lambda `share_conversation`: the handler is `handlers::share_conversation`.
glchat_functions::lambda_main!(share_conversation);
