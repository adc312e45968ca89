//! Lambda `run_jobs` (the table's stream: export jobs): the handler is `handlers::run_jobs`.
glchat_functions::event_main!(run_jobs);
