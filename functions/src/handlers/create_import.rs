//! `POST /conversations/imports` (JSON `file_name`, `size`): accepts an import of a
//! ChatGPT data export or of this service's own export, and answers 202 with a presigned
//! PUT of exactly `size` bytes; the upload starts the import (`start_import`), which
//! `run_jobs` reads in the background.

use glchat_app::ApiError;
use glchat_app::i18n::Issue;
use glchat_app::ops::imports::{self, StartImport};

use super::prelude::*;

pub const NEEDS: Needs = Needs::AUTH.bucket().exports();

/// The longest file name kept.
const MAX_FILE_NAME: usize = 255;

pub async fn handle(deps: Arc<Deps>, req: Request) -> HandlerResult {
    let caller = deps.caller(&req)?;
    let max = deps.config.exports().map_err(ApiError::Internal)?.import_max_bytes;
    idempotent(&deps, &caller, &req, "create_import", || async {
        let input = Fields::body(&req, BodyKind::Json).await?.parse(|f| {
            let (file_name, size): (Option<String>, Option<i64>) = (f.required("file_name"), f.required("size"));
            if let Some(name) = &file_name {
                f.check("file_name", !name.trim().is_empty(), Issue::TooShort(1));
                f.check(
                    "file_name",
                    name.chars().count() <= MAX_FILE_NAME,
                    Issue::TooLong(MAX_FILE_NAME),
                );
            }
            if let Some(size) = size {
                f.check("size", size >= 1, Issue::GreaterThanEqual(1));
                // A negative size is refused above alone.
                let within = u64::try_from(size).ok().is_none_or(|size| size <= max);
                f.check("size", within, Issue::LessThanEqual(max as i64));
            }
            Some(StartImport {
                file_name: file_name?,
                size: u64::try_from(size?).ok()?,
            })
        })?;
        accepted_job(imports::start(&deps, &caller, input).await?)
    })
    .await
}
