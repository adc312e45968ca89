//! What a function uses besides the table: its handler's `NEEDS`, which decide the
//! configuration sections it reads and the clients its `Deps` builds.

/// What a function uses besides the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// Calls the table, so init warms its connection: every function but the stream's
    /// publisher, which Lambda hands the table's changes.
    pub table: bool,
    /// Verifies bearer tokens and session cookies (every endpoint but the public read).
    pub auth: bool,
    /// The tenant's S3 bucket.
    pub bucket: bool,
    /// Signs and verifies list cursors.
    pub cursors: bool,
    /// The LLM behind title generation.
    pub llm: bool,
    /// Presigned uploads, bounded by the attachment size limit.
    pub uploads: bool,
    /// Bulk deletes, bounded per request.
    pub bulk_delete: bool,
    /// Clones, written within a time budget per request.
    pub clones: bool,
    /// Share links, created or refreshed (a snapshot and copies each time).
    pub shares: bool,
    /// Publishes deletion events to the tenant's EventBridge bus.
    pub events: bool,
    /// Exports: asked for (rate-limited), made step by step in the background.
    pub exports: bool,
    /// Retention: conversations idle past the tenant's days are deleted.
    pub retention: bool,
}

impl Needs {
    /// The table only (the public read adds the bucket).
    pub const TABLE: Self = Self {
        table: true,
        auth: false,
        bucket: false,
        cursors: false,
        llm: false,
        uploads: false,
        bulk_delete: false,
        clones: false,
        shares: false,
        events: false,
        exports: false,
        retention: false,
    };
    /// An authenticated endpoint on the table.
    pub const AUTH: Self = Self {
        auth: true,
        ..Self::TABLE
    };
    /// The stream's publisher: no table call, the bus.
    pub const STREAM: Self = Self {
        table: false,
        events: true,
        ..Self::TABLE
    };
    /// Every route: the local API server mounts them all in one process (the stream's
    /// publisher is no route).
    pub const ALL: Self = Self {
        table: true,
        auth: true,
        bucket: true,
        cursors: true,
        llm: true,
        uploads: true,
        bulk_delete: true,
        clones: true,
        shares: true,
        events: false,
        exports: true,
        retention: true,
    };

    pub const fn bucket(self) -> Self {
        Self { bucket: true, ..self }
    }

    pub const fn cursors(self) -> Self {
        Self { cursors: true, ..self }
    }

    pub const fn llm(self) -> Self {
        Self { llm: true, ..self }
    }

    pub const fn uploads(self) -> Self {
        Self { uploads: true, ..self }
    }

    pub const fn bulk_delete(self) -> Self {
        Self {
            bulk_delete: true,
            ..self
        }
    }

    pub const fn clones(self) -> Self {
        Self { clones: true, ..self }
    }

    pub const fn shares(self) -> Self {
        Self { shares: true, ..self }
    }

    pub const fn exports(self) -> Self {
        Self { exports: true, ..self }
    }

    pub const fn retention(self) -> Self {
        Self {
            retention: true,
            ..self
        }
    }
}
