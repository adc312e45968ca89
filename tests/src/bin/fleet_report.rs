//! `make test` prints what one tenant stack costs before its first request and how many
//! fit in an account-region (`docs/fleet.md`), from `template.yaml` and the functions'
//! own metric lines, without AWS.

fn main() {
    println!("{}", glchat_tests::fleet::report());
}
