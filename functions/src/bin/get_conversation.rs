//! Lambda entry point of `get_conversation`; the logic is in `handlers::get_conversation`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    glchat_functions::lambda::serve(glchat_functions::handlers::get_conversation::handle).await
}
