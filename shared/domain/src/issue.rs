//! What is wrong with one value a client sent: the domain's vocabulary for invalid
//! input, produced where a value is parsed (ids, titles, cursors) or refused by an
//! operation. The edge names each one's pydantic `type` and renders its message.

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    Missing,
    StringType,
    IntParsing,
    IntType,
    GreaterThanEqual(i64),
    LessThanEqual(i64),
    TooShort(usize),
    TooLong(usize),
    /// One of these literal values was expected.
    Enum(&'static [&'static str]),
    DatetimeParsing,
    JsonInvalid,
    DictType,
    ListType,
    ModelType,
    /// An id with characters or a length no id of ours has.
    InvalidId,
    InvalidCursor,
    /// A `parent_id` that is neither the conversation nor one of its messages.
    UnknownParent,
    /// A `message_id` that is not a message of the conversation.
    UnknownMessage,
    /// Not a MIME type.
    ContentType,
    /// A list shorter than allowed.
    TooShortList(usize),
    /// A list longer than allowed.
    TooLongList(usize),
    /// The conversation holds as many attachments as it may.
    TooManyAttachments(u64),
    /// The conversation's attachments would pass this many bytes in all.
    AttachmentQuota(u64),
    /// An `Idempotency-Key` that is not 1 to 255 visible ASCII characters.
    IdempotencyKey,
    /// An `Idempotency-Key` already used for a different request.
    IdempotencyKeyReused,
}
