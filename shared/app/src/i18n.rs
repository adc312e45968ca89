//! Localized `detail` texts. Every message the API can send lives here, in
//! English and Indonesian, so handlers name a message and never build text.

use http::HeaderMap;

pub use glchat_domain::issue::Issue;

/// The languages `detail` texts come in; English unless the caller prefers Indonesian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Id,
}

impl Lang {
    /// Picks the supported language with the highest `q` from `Accept-Language`
    /// (`id-ID,id;q=0.9,en;q=0.8` is Indonesian); English when none is supported.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Lang::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "en" => Lang::En,
                "id" | "in" => Lang::Id,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// A `detail` message for the non-422 errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    NotAuthenticated,
    TenantMismatch,
    TenantClaimMissing,
    ForeignOrigin,
    UnsupportedMediaType,
    TooManyRequests,
    ForeignUser,
    ConversationNotFound,
    ShareNotFound,
    ExportNotFound,
    ErasureNotFound,
    ImportNotFound,
    ConversationIdTaken,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    ServiceUnavailable,
    InternalError,
    Busy,
    IdempotencyInFlight,
}

impl Text {
    pub fn render(self, lang: Lang) -> &'static str {
        use Lang::*;
        use Text::*;
        match (self, lang) {
            (NotAuthenticated, En) => "Not authenticated",
            (NotAuthenticated, Id) => "Tidak terautentikasi",
            (TenantMismatch, En) => "Tenant does not match this deployment",
            (TenantMismatch, Id) => "Tenant tidak sesuai dengan deployment ini",
            (TenantClaimMissing, En) => "The credential does not name a tenant",
            (TenantClaimMissing, Id) => "Kredensial tidak menyebutkan tenant",
            (ForeignOrigin, En) => "Request origin not allowed",
            (ForeignOrigin, Id) => "Asal permintaan tidak diizinkan",
            (UnsupportedMediaType, En) => "Unsupported Media Type",
            (UnsupportedMediaType, Id) => "Jenis media tidak didukung",
            (TooManyRequests, En) => "Too many requests, please retry later",
            (TooManyRequests, Id) => "Terlalu banyak permintaan, silakan coba lagi nanti",
            (ForeignUser, En) => "You can only act for your own user",
            (ForeignUser, Id) => "Anda hanya dapat bertindak untuk pengguna Anda sendiri",
            (ConversationNotFound, En) => "Conversation not found",
            (ConversationNotFound, Id) => "Percakapan tidak ditemukan",
            (ShareNotFound, En) => "Shared conversation not found",
            (ShareNotFound, Id) => "Percakapan yang dibagikan tidak ditemukan",
            (ExportNotFound, En) => "Export not found",
            (ExportNotFound, Id) => "Ekspor tidak ditemukan",
            (ErasureNotFound, En) => "Erasure not found",
            (ErasureNotFound, Id) => "Penghapusan tidak ditemukan",
            (ImportNotFound, En) => "Import not found",
            (ImportNotFound, Id) => "Impor tidak ditemukan",
            (ConversationIdTaken, En) => "Conversation id is already in use",
            (ConversationIdTaken, Id) => "ID percakapan sudah digunakan",
            (NotFound, En) => "Not Found",
            (NotFound, Id) => "Tidak ditemukan",
            (MethodNotAllowed, En) => "Method Not Allowed",
            (MethodNotAllowed, Id) => "Metode tidak diizinkan",
            (PayloadTooLarge, En) => "Request body too large",
            (PayloadTooLarge, Id) => "Isi permintaan terlalu besar",
            (ServiceUnavailable, En) => "Service temporarily unavailable, please retry",
            (ServiceUnavailable, Id) => "Layanan sementara tidak tersedia, silakan coba lagi",
            (InternalError, En) => "Internal Server Error",
            (InternalError, Id) => "Terjadi kesalahan pada server",
            (Busy, En) => "The conversation changed at the same time, please retry",
            (Busy, Id) => "Percakapan berubah pada saat yang sama, silakan coba lagi",
            (IdempotencyInFlight, En) => "A request with this Idempotency-Key is still in progress, please retry",
            (IdempotencyInFlight, Id) => "Permintaan dengan Idempotency-Key ini masih diproses, silakan coba lagi",
        }
    }
}

/// The pydantic `type` and localized message of each [`Issue`].
pub trait IssueText {
    fn kind(&self) -> &'static str;
    fn render(&self, lang: Lang) -> String;
}

impl IssueText for Issue {
    /// The pydantic `type` string of this issue.
    fn kind(&self) -> &'static str {
        match self {
            Issue::Missing => "missing",
            Issue::StringType => "string_type",
            Issue::IntParsing => "int_parsing",
            Issue::IntType => "int_type",
            Issue::GreaterThanEqual(_) => "greater_than_equal",
            Issue::LessThanEqual(_) => "less_than_equal",
            Issue::TooShort(_) => "string_too_short",
            Issue::TooLong(_) => "string_too_long",
            Issue::Enum(_) => "enum",
            Issue::DatetimeParsing => "datetime_parsing",
            Issue::JsonInvalid => "json_invalid",
            Issue::DictType => "dict_type",
            Issue::ListType => "list_type",
            Issue::ModelType => "model_attributes_type",
            Issue::TooShortList(_) => "too_short",
            Issue::TooLongList(_) => "too_long",
            Issue::InvalidId
            | Issue::InvalidCursor
            | Issue::UnknownParent
            | Issue::UnknownMessage
            | Issue::TooManyAttachments(_)
            | Issue::AttachmentQuota(_)
            | Issue::IdempotencyKey
            | Issue::IdempotencyKeyReused
            | Issue::ContentType => "value_error",
        }
    }

    fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (Issue::Missing, Lang::En) => "Field required".into(),
            (Issue::Missing, Lang::Id) => "Kolom wajib diisi".into(),
            (Issue::StringType, Lang::En) => "Input should be a valid string".into(),
            (Issue::StringType, Lang::Id) => "Masukan harus berupa teks yang valid".into(),
            (Issue::IntParsing, Lang::En) => {
                "Input should be a valid integer, unable to parse string as an integer".into()
            }
            (Issue::IntParsing, Lang::Id) => {
                "Masukan harus berupa bilangan bulat yang valid, teks tidak dapat diurai sebagai bilangan bulat".into()
            }
            (Issue::IntType, Lang::En) => "Input should be a valid integer".into(),
            (Issue::IntType, Lang::Id) => "Masukan harus berupa bilangan bulat yang valid".into(),
            (Issue::GreaterThanEqual(n), Lang::En) => {
                format!("Input should be greater than or equal to {n}")
            }
            (Issue::GreaterThanEqual(n), Lang::Id) => {
                format!("Masukan harus lebih besar dari atau sama dengan {n}")
            }
            (Issue::LessThanEqual(n), Lang::En) => {
                format!("Input should be less than or equal to {n}")
            }
            (Issue::LessThanEqual(n), Lang::Id) => {
                format!("Masukan harus lebih kecil dari atau sama dengan {n}")
            }
            (Issue::TooShort(n), Lang::En) => format!(
                "String should have at least {n} character{}",
                if *n == 1 { "" } else { "s" }
            ),
            (Issue::TooShort(n), Lang::Id) => format!("Teks harus memiliki paling sedikit {n} karakter"),
            (Issue::TooLong(n), Lang::En) => format!(
                "String should have at most {n} character{}",
                if *n == 1 { "" } else { "s" }
            ),
            (Issue::TooLong(n), Lang::Id) => format!("Teks harus memiliki paling banyak {n} karakter"),
            (Issue::Enum(values), lang) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                let (last, rest) = quoted.split_last().map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
                let joined = if rest.is_empty() {
                    last.to_string()
                } else {
                    let or = if lang == Lang::Id { "atau" } else { "or" };
                    format!("{} {or} {last}", rest.join(", "))
                };
                match lang {
                    Lang::En => format!("Input should be {joined}"),
                    Lang::Id => format!("Masukan harus {joined}"),
                }
            }
            (Issue::DatetimeParsing, Lang::En) => {
                "Input should be a valid datetime, invalid character or format".into()
            }
            (Issue::DatetimeParsing, Lang::Id) => "Masukan harus berupa tanggal dan waktu yang valid".into(),
            (Issue::JsonInvalid, Lang::En) => "JSON decode error".into(),
            (Issue::JsonInvalid, Lang::Id) => "JSON tidak dapat diurai".into(),
            (Issue::DictType, Lang::En) => "Input should be a valid dictionary".into(),
            (Issue::DictType, Lang::Id) => "Masukan harus berupa objek yang valid".into(),
            (Issue::ListType, Lang::En) => "Input should be a valid list".into(),
            (Issue::ListType, Lang::Id) => "Masukan harus berupa daftar yang valid".into(),
            (Issue::ModelType, Lang::En) => {
                "Input should be a valid dictionary or object to extract fields from".into()
            }
            (Issue::ModelType, Lang::Id) => "Masukan harus berupa objek JSON".into(),
            (Issue::InvalidId, Lang::En) => {
                "Value error, must be 1 to 128 letters, digits, '-', '_', '.', ':' or '|'".into()
            }
            (Issue::InvalidId, Lang::Id) => {
                "Nilai tidak valid, harus 1 sampai 128 huruf, angka, '-', '_', '.', ':' atau '|'".into()
            }
            (Issue::UnknownParent, Lang::En) => {
                "Value error, parent_id is neither this conversation nor one of its messages".into()
            }
            (Issue::UnknownParent, Lang::Id) => {
                "Nilai tidak valid, parent_id bukan percakapan ini maupun salah satu pesannya".into()
            }
            (Issue::UnknownMessage, Lang::En) => "Value error, message_id is not a message of this conversation".into(),
            (Issue::UnknownMessage, Lang::Id) => {
                "Nilai tidak valid, message_id bukan pesan dalam percakapan ini".into()
            }
            (Issue::ContentType, Lang::En) => "Value error, expected a MIME type such as 'image/png'".into(),
            (Issue::ContentType, Lang::Id) => "Nilai tidak valid, harus berupa tipe MIME seperti 'image/png'".into(),
            (Issue::TooShortList(n), Lang::En) => {
                format!("List should have at least {n} item after validation")
            }
            (Issue::TooShortList(n), Lang::Id) => format!("Daftar harus memiliki paling sedikit {n} item"),
            (Issue::TooLongList(n), Lang::En) => {
                format!("List should have at most {n} items after validation")
            }
            (Issue::TooLongList(n), Lang::Id) => format!("Daftar harus memiliki paling banyak {n} item"),
            (Issue::IdempotencyKey, Lang::En) => {
                "Value error, Idempotency-Key must be 1 to 255 visible ASCII characters".into()
            }
            (Issue::IdempotencyKey, Lang::Id) => {
                "Nilai tidak valid, Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat".into()
            }
            (Issue::IdempotencyKeyReused, Lang::En) => {
                "Value error, this Idempotency-Key was used for a different request".into()
            }
            (Issue::IdempotencyKeyReused, Lang::Id) => {
                "Nilai tidak valid, Idempotency-Key ini sudah dipakai untuk permintaan lain".into()
            }
            (Issue::TooManyAttachments(n), Lang::En) => {
                format!("Value error, a conversation holds at most {n} attachments")
            }
            (Issue::TooManyAttachments(n), Lang::Id) => {
                format!("Nilai tidak valid, satu percakapan memuat paling banyak {n} lampiran")
            }
            (Issue::AttachmentQuota(n), Lang::En) => {
                format!("Value error, a conversation's attachments hold at most {n} bytes in all")
            }
            (Issue::AttachmentQuota(n), Lang::Id) => {
                format!("Nilai tidak valid, lampiran satu percakapan paling banyak {n} byte seluruhnya")
            }
            (Issue::InvalidCursor, Lang::En) => "Value error, cursor is invalid or was issued for another query".into(),
            (Issue::InvalidCursor, Lang::Id) => {
                "Nilai tidak valid, kursor tidak sah atau dibuat untuk kueri lain".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Lang::from_headers(&headers)
    }

    #[test]
    fn picks_the_preferred_supported_language() {
        assert_eq!(lang("id"), Lang::Id);
        assert_eq!(lang("id-ID,id;q=0.9,en;q=0.8"), Lang::Id);
        assert_eq!(lang("en-US,en;q=0.9,id;q=0.8"), Lang::En);
        assert_eq!(lang("fr-FR,id;q=0.5"), Lang::Id);
        assert_eq!(lang("fr-FR"), Lang::En);
        assert_eq!(lang("en;q=0.1, id;q=0.7"), Lang::Id);
        assert_eq!(lang("id;q=0"), Lang::En);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn enum_messages_read_like_pydantic() {
        assert_eq!(
            Issue::Enum(&["user", "assistant"]).render(Lang::En),
            "Input should be 'user' or 'assistant'"
        );
        assert_eq!(
            Issue::TooShort(1).render(Lang::En),
            "String should have at least 1 character"
        );
    }
}
