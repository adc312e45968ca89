//! Lambda entry point of `append_message`; the logic is in `handlers::append_message`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    glchat_functions::lambda::serve(glchat_functions::handlers::append_message::handle).await
}
