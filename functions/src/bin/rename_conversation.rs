//! Lambda entry point of `rename_conversation`; the logic is in `handlers::rename_conversation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    glchat_functions::lambda::serve(glchat_functions::handlers::rename_conversation::handle).await
}
