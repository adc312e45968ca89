//! The fixture the committed API Gateway events (`tests/events`) name: seeded before
//! they are replayed, by the events test and by the cold-start benchmark.

use glchat_app::ids::{ChatbotId, ConversationId, ExportId, ShareId, UserId};
use glchat_app::models::{ConversationRecord, ShareLinkRecord, SnapshotContent};
use glchat_app::pages::MessageWindow;
use glchat_app::store::{ReserveOutcome, SaveOutcome, SnapshotBody, SnapshotRecord};

use crate::{Options, TestApp};

pub const CONVERSATION: &str = "01JEVENTC0NVERSAT10N000000";
pub const SHARE: &str = "EventShare000000000000";
pub const CLONE: &str = "01JEVENTC10NE0000000000000";
pub const EXPORT: &str = "01JEVENTEXP0RT000000000000";
pub const ERASURE: &str = "01JEVENTERASURE00000000000";
pub const IMPORT: &str = "01JEVENT1MP0RT000000000000";

/// Creating, reading and sharing first; revoking and deleting last.
pub const EVENT_ORDER: [&str; 21] = [
    "create_conversation",
    "list_conversations",
    "get_conversation",
    "rename_conversation",
    "append_message",
    "create_attachment",
    "generate_title",
    "share_conversation",
    "get_share",
    "list_shared_conversations",
    "get_shared_conversation",
    "clone_shared_conversation",
    "create_export",
    "get_export",
    "create_import",
    "get_import",
    "create_erasure",
    "get_erasure",
    "delete_shared_conversation",
    "delete_conversation",
    "delete_conversations",
];

pub fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events")
}

/// The fixture conversation (two messages, title "Bali trip") and its share link.
pub async fn seed(app: &TestApp) {
    let now = app.app.clock.now();
    let record = ConversationRecord {
        id: ConversationId::parse(CONVERSATION).unwrap(),
        user_id: UserId::parse("dev-user").unwrap(),
        chatbot_id: ChatbotId::parse("general").unwrap(),
        title: Some("Bali trip".into()),
        model_name: "openai/gpt-4o-mini".into(),
        created_time: now,
        updated_time: now,
        is_active: true,
        is_anonymized: false,
        deanonymized_mapping: Default::default(),
        metadata_: None,
    };
    assert!(app.app.store.create_conversation(&record, None).await.unwrap());
    app.append("dev-user", CONVERSATION, "user", "Plan a week in Bali")
        .await;
    app.append("dev-user", CONVERSATION, "assistant", "Day 1: Ubud").await;
    let view = app
        .app
        .store
        .owned_view(&record.id, &record.user_id, MessageWindow::ALL)
        .await
        .unwrap()
        .unwrap()
        .into_inner();
    let link = ShareLinkRecord {
        share_id: ShareId::parse(SHARE).unwrap(),
        user_id: record.user_id.clone(),
        conversation_id: record.id.clone(),
        conversation_title: "Bali trip".into(),
        created_time: now,
        last_updated_time: now,
        expired_time: None,
        snapshot_id: ulid::Ulid::from_parts(now.unix_ms(), 0).to_string(),
    };
    // As a first share does: the id reserved on the conversation, then the snapshot saved.
    let reserved = app.app.store.reserve_link(&link, None).await.unwrap();
    assert_eq!(reserved, ReserveOutcome::Reserved);
    let snapshot = SnapshotRecord {
        link,
        chatbot_id: record.chatbot_id.clone(),
        body: SnapshotBody::Inline(Box::new(SnapshotContent::public(
            view.conversation,
            view.messages,
            Vec::new(),
        ))),
    };
    assert_eq!(app.app.store.save_share(&snapshot).await.unwrap(), SaveOutcome::Saved);
    // An export of the user's, as `create_export` leaves it.
    let export =
        glchat_app::store::exports::ExportJob::new(&record.user_id, ExportId::parse(EXPORT).unwrap(), None, now);
    app.app.store.create_job(&export).await.unwrap();
    // And an erasure of theirs, as `create_erasure` leaves it (never run here).
    let erasure = glchat_app::store::erasures::ErasureJob::new(
        &record.user_id,
        glchat_app::ids::ErasureId::parse(ERASURE).unwrap(),
        now,
    );
    app.app.store.create_job(&erasure).await.unwrap();
    // And an import of theirs, waiting for its upload.
    let import = glchat_app::store::imports::ImportJob::new(
        &record.user_id,
        glchat_app::ids::ImportId::parse(IMPORT).unwrap(),
        "chatgpt-export.zip".into(),
        2048,
        "tenants/local/imports/x/upload".into(),
        now,
    );
    app.app.store.create_job(&import).await.unwrap();
}

/// An app configured like `make run` (tenant `local` and its secrets), which the
/// events' credentials were made for.
pub fn event_options() -> Options {
    Options {
        tenant: "local".into(),
        jwt_secret: "local-dev-secret-only-for-make-run-0001".into(),
        nextauth_secret: "local-nextauth-secret-only-for-make-run".into(),
        ..Options::default()
    }
}
