//! Lambda entry point of `list_conversations`; the logic is in `handlers::list_conversations`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    glchat_functions::lambda::serve(glchat_functions::handlers::list_conversations::handle).await
}
