//! Lambda entry point of `create_conversation`; the logic is in `handlers::create_conversation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    glchat_functions::lambda::serve(glchat_functions::handlers::create_conversation::handle).await
}
