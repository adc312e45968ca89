//! ChatGPT data exports, written by the tests from the format's documentation
//! (`docs/import.md`): `conversations.json` is a list of conversations, each a `mapping`
//! of nodes (`id`, `parent`, `children`, `message`) from a root without a message,
//! `current_node` the end of the branch shown, times in seconds since the epoch.

use std::io::Write;

use serde_json::{Value, json};

/// A node of a conversation's mapping.
struct Node {
    id: &'static str,
    parent: Option<&'static str>,
    message: Value,
}

fn message(id: &str, role: &str, at: f64, content: Value, extra: Value) -> Value {
    let mut message = json!({
        "id": id, "author": { "role": role, "name": null, "metadata": {} },
        "create_time": at, "update_time": null, "content": content,
        "status": "finished_successfully", "end_turn": true, "weight": 1.0,
        "metadata": {}, "recipient": "all",
    });
    if let (Some(target), Some(extra)) = (message.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    message
}

fn text(id: &str, role: &str, at: f64, words: &str) -> Value {
    let model = if role == "assistant" {
        json!({ "metadata": { "model_slug": "gpt-4o" } })
    } else {
        json!({})
    };
    message(id, role, at, json!({ "content_type": "text", "parts": [words] }), model)
}

fn conversation(id: &str, title: &str, created: f64, updated: f64, current: &str, nodes: Vec<Node>) -> Value {
    let mapping: serde_json::Map<String, Value> = nodes
        .iter()
        .map(|node| {
            let children: Vec<&str> = nodes
                .iter()
                .filter(|n| n.parent == Some(node.id))
                .map(|n| n.id)
                .collect();
            (
                node.id.to_owned(),
                json!({ "id": node.id, "message": node.message, "parent": node.parent, "children": children }),
            )
        })
        .collect();
    json!({
        "title": title, "create_time": created, "update_time": updated, "mapping": mapping,
        "moderation_results": [], "current_node": current, "plugin_ids": null,
        "conversation_id": id, "id": id, "default_model_slug": "gpt-4o",
    })
}

/// The sample export: a trip planned with a regenerated answer (two branches), an
/// edited question (two more), a tool call and its output, and an image; a short
/// conversation; and one without a mapping, which cannot be read.
pub fn sample() -> Value {
    let n = |id, parent, message| Node { id, parent, message };
    let trip = conversation(
        "c0ffee00-0000-4000-8000-000000000001",
        "Bali with kids",
        1_700_000_000.5,
        1_700_000_900.0,
        "answer-image",
        vec![
            n("root", None, Value::Null),
            n(
                "system",
                Some("root"),
                message(
                    "system",
                    "system",
                    1_700_000_000.6,
                    json!({ "content_type": "text", "parts": [""] }),
                    json!({ "metadata": { "is_visually_hidden_from_conversation": true } }),
                ),
            ),
            n(
                "question",
                Some("system"),
                text("question", "user", 1_700_000_010.0, "Plan a week in Bali with kids"),
            ),
            n(
                "answer-1",
                Some("question"),
                text("answer-1", "assistant", 1_700_000_020.0, "Day 1: Ubud monkey forest"),
            ),
            n(
                "answer-2",
                Some("question"),
                text("answer-2", "assistant", 1_700_000_030.0, "Day 1: Sanur beach"),
            ),
            n(
                "edit-1",
                Some("answer-2"),
                text("edit-1", "user", 1_700_000_040.0, "And day 2?"),
            ),
            n(
                "edit-2",
                Some("answer-2"),
                text("edit-2", "user", 1_700_000_050.0, "And day 2, with a rainy day plan?"),
            ),
            n(
                "call",
                Some("edit-2"),
                message(
                    "call",
                    "assistant",
                    1_700_000_060.0,
                    json!({ "content_type": "code", "language": "unknown", "text": "search(\"Bali rain\")" }),
                    json!({ "recipient": "browser" }),
                ),
            ),
            n(
                "tool",
                Some("call"),
                message(
                    "tool",
                    "tool",
                    1_700_000_061.0,
                    json!({ "content_type": "tether_browsing_display", "result": "..." }),
                    json!({}),
                ),
            ),
            n(
                "answer-3",
                Some("tool"),
                text("answer-3", "assistant", 1_700_000_070.0, "Day 2: Waterbom if it rains"),
            ),
            n(
                "photo",
                Some("answer-3"),
                message(
                    "photo",
                    "user",
                    1_700_000_080.0,
                    json!({ "content_type": "multimodal_text", "parts": [
                    { "content_type": "image_asset_pointer", "asset_pointer": "file-service://file-abc", "width": 800, "height": 600 },
                    "Is this beach safe for kids?" ] }),
                    json!({}),
                ),
            ),
            n(
                "answer-image",
                Some("photo"),
                text("answer-image", "assistant", 1_700_000_090.0, "Yes, Sanur is calm"),
            ),
        ],
    );
    let short = conversation(
        "c0ffee00-0000-4000-8000-000000000002",
        "Rendang",
        1_700_100_000.0,
        1_700_100_100.0,
        "b",
        vec![
            n("r", None, Value::Null),
            n(
                "a",
                Some("r"),
                text("a", "user", 1_700_100_010.0, "Rendang, step by step"),
            ),
            n(
                "b",
                Some("a"),
                text("b", "assistant", 1_700_100_020.0, "1. Toast the spices"),
            ),
        ],
    );
    let broken = json!({ "id": "c0ffee00-0000-4000-8000-000000000003", "title": "Broken", "current_node": null });
    json!([trip, short, broken])
}

/// A zip of `files` (name, bytes).
pub fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("a zip entry");
        zip.write_all(bytes).expect("a zip entry's bytes");
    }
    zip.finish().expect("a zip").into_inner()
}

/// An export at size: `conversations` conversations of `messages` messages each (a
/// question and its answer in turn, the last answer regenerated once: two branches),
/// from 2023 on.
pub fn bulk(conversations: usize, messages: usize) -> Value {
    let list: Vec<Value> = (0..conversations)
        .map(|c| {
            let start = 1_680_000_000.0 + c as f64 * 3_600.0;
            let mut mapping = serde_json::Map::new();
            let id = |m: usize| format!("c{c}-m{m}");
            mapping.insert(
                "root".into(),
                json!({ "id": "root", "message": null, "parent": null, "children": [id(0)] }),
            );
            for m in 0..messages {
                let role = if m % 2 == 0 { "user" } else { "assistant" };
                let parent = if m == 0 { "root".to_owned() } else { id(m - 1) };
                let mut children = if m + 1 < messages { vec![id(m + 1)] } else { vec![] };
                if m + 2 == messages {
                    children.push(format!("c{c}-regenerated"));
                }
                mapping.insert(
                    id(m),
                    json!({ "id": id(m), "parent": parent, "children": children,
                            "message": text(&id(m), role, start + m as f64, &format!("conversation {c}, message {m}")) }),
                );
            }
            let regenerated = format!("c{c}-regenerated");
            mapping.insert(
                regenerated.clone(),
                json!({ "id": regenerated, "parent": id(messages - 2), "children": [],
                        "message": text(&regenerated, "assistant", start + messages as f64, "regenerated") }),
            );
            json!({ "title": format!("Conversation {c}"), "create_time": start, "update_time": start + messages as f64,
                    "mapping": mapping, "current_node": regenerated, "id": format!("bulk-{c:05}"),
                    "conversation_id": format!("bulk-{c:05}") })
        })
        .collect();
    Value::Array(list)
}
