//! Reading an import's file into parts of conversations in this service's export
//! format, ready to write. A file is read as a stream of conversations, one at a time:
//! a 194 MB `conversations.json` held as one JSON value took 1.39 GB, more than
//! `run_jobs` has, while read this way the function holds the file, one conversation,
//! and the parts it has filled (387 MB in all for that file: `docs/import.md`). Only
//! the entries of a zip that are read are unpacked, each at most `IMPORT_MAX_BYTES`.

use std::io::{BufRead, BufReader, Read};

use anyhow::Context;
use glchat_clients::blobs::Blobs;
use glchat_domain::chatgpt::{self, SourceConversation};
use glchat_domain::clock::Timestamp;
use glchat_domain::exports::{CONVERSATIONS_FILE, ExportedConversation, ExportedMessage, FORMAT};
use glchat_domain::ids::{ChatbotId, ConversationId, MessageId, UserId};
use glchat_domain::imports::{CHATGPT_CHATBOT, ImportFailure, MAX_FAILURES_LISTED};
use glchat_domain::models::{MessageText, Title};
use glchat_store::imports::ImportJob;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::OpError;

/// One conversation ready to write: in the export format, ids derived, with its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Importing {
    pub source_id: String,
    pub conversation: ExportedConversation,
}

/// What a file held: its parts' JSON (each a list of [`Importing`]), and the
/// conversations that could not be read (the first [`MAX_FAILURES_LISTED`] listed).
#[derive(Debug, Default)]
pub(super) struct FileRead {
    pub parts: Vec<Vec<u8>>,
    pub unread: u64,
    pub failures: Vec<ImportFailure>,
}

/// The conversations as they are read, gathered into parts of `per_part`, each
/// written out as JSON once it is full.
struct Parts {
    per_part: usize,
    filling: Vec<Importing>,
    read: FileRead,
}

impl Parts {
    fn new(per_part: u32) -> Self {
        Self {
            per_part: (per_part as usize).max(1),
            filling: Vec::new(),
            read: FileRead::default(),
        }
    }

    fn push(&mut self, mut importing: Importing) -> anyhow::Result<()> {
        fit_to_limits(&mut importing.conversation);
        self.filling.push(importing);
        if self.filling.len() == self.per_part {
            self.close_part()?;
        }
        Ok(())
    }

    fn fail(&mut self, source_id: String, reason: String) {
        self.read.unread += 1;
        if self.read.failures.len() < MAX_FAILURES_LISTED {
            self.read.failures.push(ImportFailure { source_id, reason });
        }
    }

    fn close_part(&mut self) -> anyhow::Result<()> {
        if !self.filling.is_empty() {
            let part = serde_json::to_vec(&self.filling).context("writing a part of the import")?;
            self.read.parts.push(part);
            self.filling.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<FileRead> {
        self.close_part()?;
        Ok(self.read)
    }
}

/// The import's file read, or why it is no export at all.
pub(super) async fn file(
    blobs: &Blobs,
    job: &ImportJob,
    max_bytes: u64,
    per_part: u32,
) -> Result<Result<FileRead, String>, OpError> {
    let Some(bytes) = blobs.get_if_exists(&job.object_key).await? else {
        return Ok(Err("the upload is gone".to_owned()));
    };
    if bytes.len() as u64 > max_bytes {
        return Ok(Err(format!("the file is over {max_bytes} bytes")));
    }
    let mut parts = Parts::new(per_part);
    if !bytes.starts_with(b"PK\x03\x04") {
        // A lone JSON file: ChatGPT's conversations.json (or one of its split files), or
        // this service's conversations.json without its files.
        match conversations(&job.user_id, bytes.as_slice(), &mut parts) {
            Ok(_) => {}
            Err(Unread::NotJson) => return Ok(Err("not a JSON file or a zip".to_owned())),
            Err(unread) => return Ok(Err(unread.reason(&job.file_name))),
        }
        return Ok(Ok(parts.finish()?));
    }
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(Err("not a readable zip".to_owned()));
    };
    let base = |name: &str| name.rsplit('/').next().unwrap_or_default().to_owned();
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|name| name.ok().map(|name| name.into_owned()))
        .collect();
    let mut listed: Vec<&String> = names
        .iter()
        .filter(|name| {
            let base = base(name);
            base == CONVERSATIONS_FILE || (base.starts_with("conversations-") && base.ends_with(".json"))
        })
        .collect();
    // conversations.json alone when there is one (the split files repeat it).
    if listed.iter().any(|name| base(name) == CONVERSATIONS_FILE) {
        listed.retain(|name| base(name) == CONVERSATIONS_FILE);
        listed.truncate(1);
    }
    if listed.is_empty() {
        return Ok(Err("the zip holds no conversations.json".to_owned()));
    }
    let mut own = Vec::new();
    for name in listed {
        let Ok(entry) = archive.by_name(name) else {
            return Ok(Err(format!("{name} could not be read from the zip")));
        };
        if entry.size() > max_bytes {
            return Ok(Err(format!("{name} unpacks to over {max_bytes} bytes")));
        }
        match conversations(&job.user_id, entry.take(max_bytes), &mut parts) {
            Ok(Some(conversations)) => own = conversations,
            Ok(None) => {}
            Err(unread) => return Ok(Err(unread.reason(name))),
        }
    }
    // This service's export: each attachment's file written where its attachment keeps
    // it, one at a time.
    for (conversation, attachment) in own {
        let Ok(mut entry) = archive.by_name(&attachment.path) else {
            continue;
        };
        let mut content = Vec::new();
        if entry.by_ref().take(max_bytes).read_to_end(&mut content).is_err() {
            return Ok(Err(format!("{} could not be read from the zip", attachment.path)));
        }
        drop(entry);
        let key = blobs.attachment_key(&conversation, &attachment.id);
        blobs.put(&key, content, &attachment.content_type).await?;
    }
    Ok(Ok(parts.finish()?))
}

/// Why a conversations file could not be read.
enum Unread {
    NotJson,
    NotAnExport,
    Io,
}

impl Unread {
    /// The reason a failed import gives, for the file called `name`.
    fn reason(&self, name: &str) -> String {
        match self {
            Unread::NotJson => format!("{name} is not JSON"),
            Unread::NotAnExport => NOT_AN_EXPORT.to_owned(),
            Unread::Io => format!("{name} could not be read"),
        }
    }
}

/// Each conversation of a conversations file into `parts`: a ChatGPT list, or this
/// service's export (then its attachments, whose files are to be written, are
/// returned). `Err` says why the file is neither.
fn conversations(
    user: &UserId,
    reader: impl Read,
    parts: &mut Parts,
) -> Result<Option<Vec<(ConversationId, glchat_domain::exports::ExportedAttachment)>>, Unread> {
    let mut reader = BufReader::new(reader);
    let first = loop {
        let buffer = reader.fill_buf().map_err(|_| Unread::Io)?;
        let Some(&byte) = buffer.first() else {
            return Err(Unread::NotJson);
        };
        if byte.is_ascii_whitespace() {
            reader.consume(1);
        } else {
            break byte;
        }
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let outcome = match first {
        b'[' => {
            let chatbot = ChatbotId::parse(CHATGPT_CHATBOT).map_err(|_| Unread::NotAnExport)?;
            de.deserialize_seq(EachElement(|item: Value| {
                chatgpt_conversation(user, &chatbot, item, parts)
            }))
            .map(|()| None)
        }
        b'{' => {
            let mut attachments = Vec::new();
            de.deserialize_map(OwnExport(|item: Value| own_conversation(item, parts, &mut attachments)))
                .and_then(|format| match format.as_deref() {
                    Some(FORMAT) => Ok(Some(attachments)),
                    _ => Err(serde::de::Error::custom(NOT_AN_EXPORT)),
                })
        }
        _ => return Err(Unread::NotJson),
    };
    match outcome.and_then(|own| de.end().map(|()| own)) {
        Ok(own) => Ok(own),
        Err(err) if err.is_io() => Err(Unread::Io),
        Err(err) if err.is_data() => Err(Unread::NotAnExport),
        Err(_) => Err(Unread::NotJson),
    }
}

const NOT_AN_EXPORT: &str = "not a ChatGPT export: no list of conversations";

fn chatgpt_conversation(user: &UserId, chatbot: &ChatbotId, item: Value, parts: &mut Parts) -> anyhow::Result<()> {
    match chatgpt::conversation(&item) {
        Ok(read) => parts.push(from_chatgpt(user, chatbot, read)),
        Err(reason) => {
            let source_id = item["conversation_id"]
                .as_str()
                .or_else(|| item["id"].as_str())
                .unwrap_or("")
                .to_owned();
            parts.fail(source_id, reason);
            Ok(())
        }
    }
}

/// One conversation of this service's export, as it is (its ids too, so a round trip
/// gives it back exactly).
fn own_conversation(
    item: Value,
    parts: &mut Parts,
    attachments: &mut Vec<(ConversationId, glchat_domain::exports::ExportedAttachment)>,
) -> anyhow::Result<()> {
    let source_id = item["id"].as_str().unwrap_or("").to_owned();
    match serde_json::from_value::<ExportedConversation>(item) {
        Ok(conversation) => {
            attachments.extend(
                conversation
                    .attachments
                    .iter()
                    .map(|a| (conversation.id.clone(), a.clone())),
            );
            parts.push(Importing {
                source_id: conversation.id.to_string(),
                conversation,
            })
        }
        Err(err) => {
            parts.fail(source_id, format!("not a conversation of the export format: {err}"));
            Ok(())
        }
    }
}

/// Calls its function with each element of a JSON list, one at a time.
struct EachElement<F>(F);

impl<'de, F: FnMut(Value) -> anyhow::Result<()>> Visitor<'de> for EachElement<F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of conversations")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            (self.0)(item).map_err(|e| serde::de::Error::custom(format!("{e:#}")))?;
        }
        Ok(())
    }
}

impl<'de, F: FnMut(Value) -> anyhow::Result<()>> DeserializeSeed<'de> for EachElement<F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

/// This service's export document: its `format`, and each of its `conversations`
/// handed to the function as it is read; the other fields skipped.
struct OwnExport<F>(F);

impl<'de, F: FnMut(Value) -> anyhow::Result<()>> Visitor<'de> for OwnExport<F> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an export document")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut format = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => format = Some(map.next_value::<String>()?),
                "conversations" => map.next_value_seed(EachElement(&mut self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(format)
    }
}

/// What no write of the API could make, cut to what one could: a title to
/// [`Title::MAX_CHARS`], a message to [`MessageText::MAX_CHARS`] (its metadata then
/// says `truncated_from`, the length it had).
fn fit_to_limits(conversation: &mut ExportedConversation) {
    if let Some(title) = &mut conversation.title {
        cut(title, Title::MAX_CHARS);
    }
    for message in &mut conversation.messages {
        let chars = message.content.chars().count();
        if chars > MessageText::MAX_CHARS {
            cut(&mut message.content, MessageText::MAX_CHARS);
            message
                .metadata
                .get_or_insert_with(Default::default)
                .insert("truncated_from".to_owned(), Value::from(chars));
        }
    }
}

fn cut(text: &mut String, max_chars: usize) {
    if let Some((at, _)) = text.char_indices().nth(max_chars) {
        text.truncate(at);
    }
}

/// 128 bits of the user and a source's id: what an id derived from them ends in, so
/// the same source imported again by the same user names the same thing.
fn derived(user: &UserId, parts: &[&str]) -> u128 {
    let mut hash = Sha256::new();
    hash.update(user.as_str().as_bytes());
    for part in parts {
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    u128::from_be_bytes(digest[..16].try_into().unwrap_or([0; 16]))
}

fn from_chatgpt(user: &UserId, chatbot: &ChatbotId, read: SourceConversation) -> Importing {
    let id = ConversationId::from_ulid(ulid::Ulid::from_parts(
        read.created_time.unix_ms(),
        derived(user, &["chatgpt", &read.source_id]),
    ));
    let message_id = |source: &str, at: Timestamp| {
        MessageId::from_ulid(ulid::Ulid::from_parts(
            at.unix_ms(),
            derived(user, &["chatgpt", &read.source_id, source]),
        ))
    };
    let times: std::collections::HashMap<&str, Timestamp> = read
        .messages
        .iter()
        .map(|m| (m.source_id.as_str(), m.created_time))
        .collect();
    let messages = read
        .messages
        .iter()
        .map(|m| ExportedMessage {
            id: message_id(&m.source_id, m.created_time),
            parent_id: Some(match m.parent.as_deref().and_then(|p| Some((p, *times.get(p)?))) {
                Some((parent, at)) => message_id(parent, at).to_string(),
                None => id.to_string(),
            }),
            role: m.role,
            content: m.content.clone(),
            deanonymized_content: None,
            created_time: m.created_time,
            is_active: m.is_active,
            source: None,
            feedback: None,
            metadata: m.metadata.clone(),
        })
        .collect();
    let metadata = serde_json::json!({ "imported_from": "chatgpt", "source_id": read.source_id });
    Importing {
        source_id: read.source_id.clone(),
        conversation: ExportedConversation {
            id,
            chatbot_id: chatbot.clone(),
            title: read.title,
            model_name: format!("chatgpt/{}", read.model),
            created_time: read.created_time,
            updated_time: read.updated_time,
            is_active: true,
            is_anonymized: false,
            deanonymized_mapping: Default::default(),
            metadata: metadata.as_object().cloned(),
            messages,
            attachments: Vec::new(),
            share_link: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chatgpt(id: &str, title: &str, text: &str) -> Value {
        json!({ "id": id, "title": title, "create_time": 1_700_000_000.0, "current_node": "m",
                "mapping": {
                    "root": { "id": "root", "message": null, "parent": null, "children": ["m"] },
                    "m": { "id": "m", "parent": "root", "children": [],
                           "message": { "id": "m", "author": { "role": "user" }, "create_time": 1_700_000_001.0,
                                        "content": { "content_type": "text", "parts": [text] } } } } })
    }

    fn read(file: &[u8], per_part: u32) -> Result<(FileRead, bool), Unread> {
        let user = UserId::parse("alice").unwrap();
        let mut parts = Parts::new(per_part);
        let own = conversations(&user, file, &mut parts)?;
        Ok((parts.finish().unwrap(), own.is_some()))
    }

    fn part(read: &FileRead, n: usize) -> Vec<Importing> {
        serde_json::from_slice(&read.parts[n]).unwrap()
    }

    #[test]
    fn a_chatgpt_list_is_read_one_conversation_at_a_time_into_parts() {
        let mut list: Vec<Value> = (0..5).map(|i| chatgpt(&format!("c{i}"), "t", "hi")).collect();
        list.insert(2, json!({ "id": "broken" }));
        let file = format!("  \n{}", serde_json::to_string(&list).unwrap());
        let (read, own) = read(file.as_bytes(), 2).ok().unwrap();
        assert!(!own);
        assert_eq!(read.parts.len(), 3, "five conversations, two a part");
        let sources: Vec<String> = (0..3).flat_map(|n| part(&read, n)).map(|i| i.source_id).collect();
        assert_eq!(sources, ["c0", "c1", "c2", "c3", "c4"]);
        assert_eq!(read.unread, 1);
        assert_eq!(read.failures[0].source_id, "broken");
        assert_eq!(read.failures[0].reason, "no mapping");
    }

    #[test]
    fn what_is_no_export_says_which_way() {
        for (file, expected) in [
            (
                &b"{\"not\": \"a list\"}"[..],
                "not a ChatGPT export: no list of conversations",
            ),
            (b"[1, 2", "conversations.json is not JSON"),
            (b"[] trailing", "conversations.json is not JSON"),
            (b"", "conversations.json is not JSON"),
            (b"hello", "conversations.json is not JSON"),
            (
                b"{\"format\": \"another\", \"conversations\": []}",
                "not a ChatGPT export: no list of conversations",
            ),
        ] {
            let reason = read(file, 10).err().map(|u| u.reason(CONVERSATIONS_FILE));
            assert_eq!(reason.as_deref(), Some(expected), "{}", String::from_utf8_lossy(file));
        }
    }

    #[test]
    fn this_services_export_is_read_as_it_is_whatever_its_field_order() {
        let conversation = json!({
            "id": "01JD0000000000000000000000", "chatbot_id": "bot", "title": "Kept", "model_name": "m",
            "created_time": "2026-01-01T00:00:00.000Z", "updated_time": "2026-01-01T00:00:00.000Z",
            "is_active": true, "is_anonymized": false, "deanonymized_mapping": {}, "metadata": null,
            "messages": [], "attachments": [], "share_link": null });
        let document = json!({ "conversations": [conversation], "version": 1, "format": FORMAT, "user_id": "alice" });
        let (read, own) = read(&serde_json::to_vec(&document).unwrap(), 10).ok().unwrap();
        assert!(own);
        let imported = part(&read, 0);
        assert_eq!(imported[0].conversation.title.as_deref(), Some("Kept"));
        assert_eq!(imported[0].source_id, "01JD0000000000000000000000");
    }

    #[test]
    fn a_title_or_message_longer_than_an_api_write_could_make_is_cut() {
        let long = "é".repeat(MessageText::MAX_CHARS + 5);
        let file = serde_json::to_vec(&json!([chatgpt("c", &"t".repeat(300), &long)])).unwrap();
        let (read, _) = read(&file, 10).ok().unwrap();
        let conversation = &part(&read, 0)[0].conversation;
        assert_eq!(conversation.title.as_ref().unwrap().chars().count(), Title::MAX_CHARS);
        let message = &conversation.messages[0];
        assert_eq!(message.content.chars().count(), MessageText::MAX_CHARS);
        assert_eq!(
            message.metadata.as_ref().unwrap()["truncated_from"],
            json!(MessageText::MAX_CHARS + 5)
        );
    }
}
