-- The embedded Bindery backend (seed 001). Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds; ids are UUID text; tags and labels are JSON text (as the Rust
-- backend keeps them). The full-text index over these tables is dialect-specific: see
-- db/vendor/<database>/V4_1__bindery_search.sql.

CREATE TABLE bindery_projects (
    id           VARCHAR(64)  NOT NULL PRIMARY KEY,
    name         TEXT         NOT NULL,
    description  TEXT,
    tags         TEXT         NOT NULL,
    created_at   BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL
);

-- A subtask belongs to its parent: deleting the parent deletes the whole subtree.
-- project_id is not a foreign key: clients of the Rust backend (which stubs projects) pass ids
-- of projects it never stored, and those tasks must still be saved.
CREATE TABLE bindery_tasks (
    id                VARCHAR(64)  NOT NULL PRIMARY KEY,
    title             TEXT         NOT NULL,
    description       TEXT,
    status            VARCHAR(16)  NOT NULL,
    priority          VARCHAR(16)  NOT NULL,
    parent_id         VARCHAR(64)  REFERENCES bindery_tasks (id) ON DELETE CASCADE,
    -- Place among its siblings, in the order they were given (created_at is the same for all of them).
    position          INTEGER      NOT NULL DEFAULT 0,
    project_id        VARCHAR(64),
    assignee          VARCHAR(200),
    tags              TEXT         NOT NULL,
    labels            TEXT         NOT NULL,
    due_date          BIGINT,
    completion_notes  TEXT,
    execution_id      VARCHAR(64),
    created_at        BIGINT       NOT NULL,
    updated_at        BIGINT       NOT NULL,
    completed_at      BIGINT
);
CREATE INDEX bindery_tasks_by_parent ON bindery_tasks (parent_id);
CREATE INDEX bindery_tasks_by_project ON bindery_tasks (project_id, status);
CREATE INDEX bindery_tasks_by_status ON bindery_tasks (status, created_at);

-- Indexed documents (rag/index) and the chunks their content was cut into; chunks are what
-- the full-text index holds, so a hit names the passage, not just the document.
CREATE TABLE bindery_documents (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    title          TEXT         NOT NULL,
    document_type  VARCHAR(32)  NOT NULL,
    source_path    TEXT,
    tags           TEXT         NOT NULL,
    project_id     VARCHAR(64),
    content_chars  INTEGER      NOT NULL,
    created_at     BIGINT       NOT NULL
);

CREATE TABLE bindery_chunks (
    document_id  VARCHAR(64)  NOT NULL REFERENCES bindery_documents (id) ON DELETE CASCADE,
    seq          INTEGER      NOT NULL,
    content      TEXT         NOT NULL,
    PRIMARY KEY (document_id, seq)
);
