//! A ChatGPT data export's conversations (`conversations.json`, or its split
//! `conversations-NNN.json` files) read into conversations this service keeps, by the
//! rules of `docs/import.md`:
//!
//! - the `mapping` tree becomes messages linked by `parent_id`; every branch is kept
//!   (regenerated answers, edited turns), and the path from `current_node` to the root
//!   is the active one (`is_active`; without a `current_node`, the newest message's);
//! - kept: user and assistant messages whose content is text; `multimodal_text` keeps its
//!   text parts and puts `[image]` (or `[file]`) where an image (or another file) was;
//!   `code` keeps its text;
//! - left out: the root without a message, system messages, messages hidden from the
//!   conversation, tool messages and an assistant's calls to a tool (`recipient` other
//!   than `all`), and content of other types (browsing, execution output); their
//!   children hang from the nearest kept message above them;
//! - `create_time` and `update_time` are kept (seconds since the epoch, fractions
//!   kept to the millisecond); a message without one takes its parent's;
//! - the model is the active path's last assistant `model_slug`, else the
//!   conversation's `default_model_slug`, else `unknown`.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::models::MessageRole;

/// A conversation read from the export, with ChatGPT's own ids.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConversation {
    pub source_id: String,
    pub title: Option<String>,
    pub created_time: Timestamp,
    pub updated_time: Timestamp,
    pub model: String,
    /// Parents before children, each branch's messages in their order.
    pub messages: Vec<SourceMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceMessage {
    pub source_id: String,
    /// The kept message it answers or edits; `None` for a first message.
    pub parent: Option<String>,
    pub role: MessageRole,
    pub content: String,
    pub created_time: Timestamp,
    pub is_active: bool,
    pub metadata: Option<Map<String, Value>>,
}

fn seconds(value: &Value) -> Option<Timestamp> {
    let s = value.as_f64()?;
    (s.is_finite() && s >= 0.0).then(|| Timestamp::from_unix_ms((s * 1000.0).round() as u64))?
}

/// The text a message's content carries, or `None` when it carries none to keep.
fn text_of(content: &Value) -> Option<String> {
    let parts = content["parts"].as_array();
    let text = match content["content_type"].as_str()? {
        "text" => parts?.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
        "multimodal_text" => parts?
            .iter()
            .map(|part| match part {
                Value::String(text) => text.clone(),
                Value::Object(object) => match object.get("content_type").and_then(Value::as_str) {
                    Some("image_asset_pointer") => "[image]".to_owned(),
                    _ => "[file]".to_owned(),
                },
                _ => String::new(),
            })
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        "code" => content["text"].as_str()?.to_owned(),
        _ => return None,
    };
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Whether a node's message is kept, and as what.
fn kept(message: &Value) -> Option<(MessageRole, String)> {
    if message.is_null() {
        return None;
    }
    if message["metadata"]["is_visually_hidden_from_conversation"].as_bool() == Some(true) {
        return None;
    }
    let role = match message["author"]["role"].as_str()? {
        "user" => MessageRole::User,
        "assistant" => MessageRole::Assistant,
        _ => return None,
    };
    if let Some(recipient) = message["recipient"].as_str()
        && recipient != "all"
    {
        return None;
    }
    Some((role, text_of(&message["content"])?))
}

/// One conversation of the export, or why it cannot be read.
pub fn conversation(value: &Value) -> Result<SourceConversation, String> {
    let source_id = value["conversation_id"]
        .as_str()
        .or_else(|| value["id"].as_str())
        .filter(|id| !id.is_empty())
        .ok_or("a conversation without an id")?
        .to_owned();
    let mapping = value["mapping"].as_object().ok_or("no mapping")?;
    // The nodes in tree order from the roots (parents before children).
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = mapping
        .iter()
        .filter(|(_, node)| node["parent"].as_str().is_none_or(|p| !mapping.contains_key(p)))
        .map(|(id, _)| id.as_str())
        .collect();
    stack.reverse();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        order.push(id);
        if let Some(children) = mapping[id]["children"].as_array() {
            for child in children.iter().rev().filter_map(Value::as_str) {
                if mapping.contains_key(child) {
                    stack.push(child);
                }
            }
        }
    }
    // The active path: current_node up to its root; without one, the newest message's.
    let newest = mapping
        .iter()
        .filter_map(|(id, node)| Some((node["message"]["create_time"].as_f64()?, id.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id);
    let mut active: HashSet<&str> = HashSet::new();
    let mut at = value["current_node"]
        .as_str()
        .filter(|id| mapping.contains_key(*id))
        .or(newest);
    while let Some(id) = at.filter(|id| mapping.contains_key(*id) && active.insert(id)) {
        at = mapping[id]["parent"].as_str();
    }
    let created = seconds(&value["create_time"]);
    // Each node's nearest kept message (itself, or an ancestor's), and its time.
    let mut kept_as: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut time_of: BTreeMap<&str, Option<Timestamp>> = BTreeMap::new();
    let mut messages = Vec::new();
    let mut model = None;
    for id in &order {
        let node = &mapping[*id];
        let parent = node["parent"].as_str().filter(|p| mapping.contains_key(*p));
        let inherited = parent.and_then(|p| kept_as.get(p).cloned().flatten());
        let parent_time = parent.and_then(|p| time_of.get(p).copied().flatten()).or(created);
        let message = &node["message"];
        let time = seconds(&message["create_time"]).or(parent_time);
        time_of.insert(id, time);
        match kept(message) {
            Some((role, content)) => {
                let created_time = time.ok_or("a message without a time")?;
                let source_id = message["id"].as_str().unwrap_or(id).to_owned();
                let slug = message["metadata"]["model_slug"].as_str();
                if role == MessageRole::Assistant && active.contains(id) {
                    model = slug.map(str::to_owned).or(model);
                }
                let metadata = slug.map(|s| Map::from_iter([("model_slug".to_owned(), Value::from(s))]));
                messages.push(SourceMessage {
                    source_id: source_id.clone(),
                    parent: inherited,
                    role,
                    content,
                    created_time,
                    is_active: active.contains(id),
                    metadata,
                });
                kept_as.insert(id, Some(source_id));
            }
            None => {
                kept_as.insert(id, inherited);
            }
        }
    }
    if messages.is_empty() {
        return Err("no message to import".to_owned());
    }
    let first = messages.iter().map(|m| m.created_time).min();
    let last = messages.iter().map(|m| m.created_time).max();
    let created_time = created.or(first).ok_or("no time")?;
    Ok(SourceConversation {
        source_id,
        title: value["title"].as_str().map(str::to_owned),
        created_time,
        updated_time: seconds(&value["update_time"]).or(last).unwrap_or(created_time),
        model: model
            .or_else(|| value["default_model_slug"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned()),
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(id: &str, parent: Option<&str>, children: &[&str], message: Value) -> (String, Value) {
        (
            id.to_owned(),
            json!({ "id": id, "parent": parent, "children": children, "message": message }),
        )
    }

    fn message(id: &str, role: &str, text: &str, at: f64) -> Value {
        json!({ "id": id, "author": { "role": role }, "create_time": at,
                "content": { "content_type": "text", "parts": [text] }, "recipient": "all",
                "metadata": { "model_slug": if role == "assistant" { Some("gpt-4o") } else { None } } })
    }

    #[test]
    fn every_branch_is_kept_and_the_current_path_is_active() {
        let mapping: Map<String, Value> = [
            node("root", None, &["sys"], Value::Null),
            node("sys", Some("root"), &["q"], json!({ "id": "sys", "author": { "role": "system" },
                "content": { "content_type": "text", "parts": [""] },
                "metadata": { "is_visually_hidden_from_conversation": true } })),
            node("q", Some("sys"), &["a1", "a2"], message("q", "user", "Plan Bali", 10.0)),
            node("a1", Some("q"), &[], message("a1", "assistant", "Day 1: Ubud", 11.0)),
            node("a2", Some("q"), &["call"], message("a2", "assistant", "Day 1: Canggu", 12.5)),
            node("call", Some("a2"), &["tool"], json!({ "id": "call", "author": { "role": "assistant" },
                "recipient": "python", "create_time": 13.0, "content": { "content_type": "code", "text": "print(1)" } })),
            node("tool", Some("call"), &["img"], json!({ "id": "tool", "author": { "role": "tool" },
                "create_time": 14.0, "content": { "content_type": "execution_output", "text": "1" } })),
            node("img", Some("tool"), &[], json!({ "id": "img", "author": { "role": "user" }, "create_time": 15.0,
                "content": { "content_type": "multimodal_text",
                             "parts": [{ "content_type": "image_asset_pointer", "asset_pointer": "file-service://x" }, "What is this?"] } })),
        ]
        .into_iter()
        .collect();
        let read = conversation(&json!({
            "id": "c1", "title": "Bali", "create_time": 9.0, "update_time": 16.0,
            "mapping": mapping, "current_node": "img"
        }))
        .unwrap();
        let ids: Vec<&str> = read.messages.iter().map(|m| m.source_id.as_str()).collect();
        assert_eq!(
            ids,
            ["q", "a1", "a2", "img"],
            "system, tool call and tool output left out"
        );
        let parents: Vec<Option<&str>> = read.messages.iter().map(|m| m.parent.as_deref()).collect();
        assert_eq!(
            parents,
            [None, Some("q"), Some("q"), Some("a2")],
            "re-parented past what was left out"
        );
        let active: Vec<bool> = read.messages.iter().map(|m| m.is_active).collect();
        assert_eq!(active, [true, false, true, true]);
        assert_eq!(read.messages[3].content, "[image]\nWhat is this?");
        assert_eq!(read.messages[2].created_time.unix_ms(), 12_500);
        assert_eq!(read.model, "gpt-4o");
        assert_eq!(
            (read.created_time.unix_ms(), read.updated_time.unix_ms()),
            (9_000, 16_000)
        );
    }

    #[test]
    fn what_cannot_be_read_says_why() {
        assert_eq!(
            conversation(&json!({ "mapping": {} })).unwrap_err(),
            "a conversation without an id"
        );
        assert_eq!(conversation(&json!({ "id": "c" })).unwrap_err(), "no mapping");
        let empty =
            json!({ "id": "c", "mapping": { "r": { "id": "r", "parent": null, "children": [], "message": null } } });
        assert_eq!(conversation(&empty).unwrap_err(), "no message to import");
        let fallback = json!({ "id": "c", "default_model_slug": "gpt-4", "create_time": 1.0,
            "mapping": { "q": { "id": "q", "parent": null, "children": [], "message": message("q", "user", "hi", 2.0) } } });
        let read = conversation(&fallback).unwrap();
        assert_eq!(read.model, "gpt-4", "the conversation's model when no answer names one");
        assert!(read.messages[0].is_active, "no current node: the newest message's path");
    }
}
