//! Lambda `clone_shared_conversation`: the handler is `handlers::clone_shared_conversation`.
glchat_functions::lambda_main!(clone_shared_conversation);
