//! Pages of messages: which messages one response carries. A page is the newest
//! messages of a window (created before `max_date`), bounded by count and by size so
//! that no response comes near Lambda's 6 MB, and cut only between milliseconds, so a
//! client paging back with `max_date` = the oldest `created_time` it got (strictly
//! before) sees every message exactly once, oldest first within each page.

use crate::clock::ClientInstant;
use crate::models::Message;

/// Messages a page carries when the client names no `limit`.
pub const DEFAULT_LIMIT: usize = 100;

/// Bytes of messages one page carries at most, counted as they travel in Lambda's
/// response payload (JSON inside a JSON string). With a conversation's attachments at
/// their limit (about 2.5 MB with download URLs) the response stays under 6 MB.
pub const MAX_PAGE_BYTES: usize = 3 * 1024 * 1024;

const MAX_ULID_MS: u64 = (1 << 48) - 1;

/// Which messages a read carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageWindow {
    /// The newest this many.
    pub limit: usize,
    /// Only messages up to and including this id (the sort key bound of `max_date`).
    pub up_to: Option<ulid::Ulid>,
    /// At most this many bytes of them (see [`MAX_PAGE_BYTES`]).
    pub max_bytes: usize,
}

impl MessageWindow {
    /// Every message, whatever their size: for snapshots and clones, never a response.
    pub const ALL: Self = Self {
        limit: usize::MAX,
        up_to: None,
        max_bytes: usize::MAX,
    };

    /// The page of the newest `limit` (default [`DEFAULT_LIMIT`]) messages created
    /// strictly before `max_date`.
    pub fn newest_before(limit: Option<usize>, max_date: Option<ClientInstant>) -> Self {
        let page = Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            up_to: None,
            max_bytes: MAX_PAGE_BYTES,
        };
        let Some(max_date) = max_date else {
            return page;
        };
        // Message ids are ULIDs whose time part is the creation millisecond: every id
        // created before `max_date` is at most the largest ULID of the millisecond before.
        match max_date.ceil_unix_ms().min(MAX_ULID_MS + 1).checked_sub(1) {
            Some(ms) => Self {
                up_to: Some(ulid::Ulid::from_parts(ms, u128::MAX)),
                ..page
            },
            None => Self { limit: 0, ..page },
        }
    }

    /// Whether `message` was created inside the window's time bound.
    pub fn admits_time(&self, message: &Message) -> bool {
        self.up_to
            .is_none_or(|bound| message.created_time.unix_ms() <= bound.timestamp_ms())
    }

    /// The page of `messages` (oldest first, as stored) this window carries.
    pub fn page_of(&self, messages: &[Message]) -> Vec<Message> {
        let mut page = PageBuilder::new(self);
        for message in messages.iter().rev().filter(|m| self.admits_time(m)) {
            if !page.offer(message.clone()) {
                break;
            }
        }
        page.finish()
    }
}

/// Builds a page from messages offered newest first.
#[derive(Debug)]
pub struct PageBuilder {
    limit: usize,
    max_bytes: usize,
    bytes: usize,
    newest_first: Vec<Message>,
    /// The millisecond of the first message refused: where older ones begin.
    cut: Option<u64>,
}

impl PageBuilder {
    pub fn new(window: &MessageWindow) -> Self {
        Self {
            limit: window.limit,
            max_bytes: window.max_bytes,
            bytes: 0,
            newest_first: Vec::new(),
            cut: None,
        }
    }

    /// Offers the next older message: `false` (and the message left out) once the page
    /// is full. The first message is always taken (one message is at most 200 KB), and
    /// so is the rest of a millisecond that fills the whole page: `max_date` could not
    /// reach past it otherwise.
    pub fn offer(&mut self, message: Message) -> bool {
        if self.cut.is_some() {
            return false;
        }
        let size = payload_bytes(&message);
        let full = self.newest_first.len() >= self.limit
            || (!self.newest_first.is_empty() && self.bytes.saturating_add(size) > self.max_bytes);
        let ms = message.created_time.unix_ms();
        let one_millisecond = self.newest_first.first().map(|m| m.created_time.unix_ms()) == Some(ms);
        if full && !one_millisecond {
            self.cut = Some(ms);
            return false;
        }
        self.bytes += size;
        self.newest_first.push(message);
        true
    }

    /// The page, oldest first. When it was cut inside a millisecond, that
    /// millisecond's messages would be out of reach of `max_date` from the next request:
    /// they are left for that request.
    pub fn finish(mut self) -> Vec<Message> {
        if let Some(oldest) = self.newest_first.last().map(|m| m.created_time.unix_ms())
            && self.cut == Some(oldest)
        {
            while self
                .newest_first
                .last()
                .is_some_and(|m| m.created_time.unix_ms() == oldest)
            {
                self.newest_first.pop();
            }
        }
        self.newest_first.reverse();
        self.newest_first
    }
}

/// A message's size in a Lambda response payload: its JSON as it stands inside the
/// payload's body string, and a separator.
fn payload_bytes(message: &Message) -> usize {
    let json = serde_json::to_string(message).unwrap_or_default();
    // Less the quotes around a whole body string, plus a separator.
    in_payload_len(&json) - 1
}

/// The size of `text` as a string inside a Lambda response payload (a JSON string:
/// quotes, backslashes and control characters escaped, quotes around it).
pub fn in_payload_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(text.len() * 6 + 2, |s| s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::ids::{ConversationId, MessageId};
    use crate::models::MessageRole;

    fn message(i: u64, ms: u64, content: &str) -> Message {
        Message {
            id: MessageId::from_ulid(ulid::Ulid::from_parts(ms, u128::from(i))),
            conversation_id: ConversationId::parse("c").unwrap(),
            role: MessageRole::User,
            content: content.to_owned(),
            deanonymized_content: None,
            created_time: Timestamp::from_unix_ms(ms).unwrap(),
            is_active: true,
            parent_id: None,
            source: None,
            feedback: None,
            metadata_: None,
        }
    }

    /// Reads every page back with `max_date`, as a client does.
    fn read_all(messages: &[Message], limit: usize, max_bytes: usize) -> Vec<Message> {
        let mut seen: Vec<Message> = Vec::new();
        let mut before: Option<u64> = None;
        loop {
            let window = MessageWindow {
                limit,
                up_to: before
                    .and_then(|ms| ms.checked_sub(1))
                    .map(|ms| ulid::Ulid::from_parts(ms, u128::MAX)),
                max_bytes,
            };
            if before == Some(0) {
                break;
            }
            let page = window.page_of(messages);
            if page.is_empty() {
                break;
            }
            before = Some(page[0].created_time.unix_ms());
            seen.splice(0..0, page);
        }
        seen
    }

    #[test]
    fn paging_back_sees_every_message_once_even_within_one_millisecond() {
        // Three messages share millisecond 10 and two share 20: pages of 2 would split them.
        let messages: Vec<Message> = [(0, 5), (1, 10), (2, 10), (3, 10), (4, 15), (5, 20), (6, 20), (7, 30)]
            .iter()
            .map(|&(i, ms)| message(i, ms, "x"))
            .collect();
        for limit in 1..=9 {
            assert_eq!(read_all(&messages, limit, usize::MAX), messages, "limit {limit}");
        }
    }

    #[test]
    fn pages_are_bounded_by_size() {
        let messages: Vec<Message> = (0..10).map(|i| message(i, 100 + i, &"y".repeat(1_000))).collect();
        let page = MessageWindow {
            limit: 100,
            up_to: None,
            max_bytes: 4_000,
        }
        .page_of(&messages);
        assert_eq!(page.len(), 3, "three messages of about 1.3 KB fit in 4 KB");
        assert_eq!(page, messages[7..]);
        assert_eq!(read_all(&messages, 100, 4_000), messages);
        // A message larger than the budget still makes a page of its own.
        let big = vec![message(0, 1, &"z".repeat(10_000))];
        assert_eq!(read_all(&big, 100, 4_000), big);
    }
}
