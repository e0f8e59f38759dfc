-- Full-text search for the embedded Bindery backend, SQLite dialect: one FTS5 table over tasks,
-- projects and document chunks, ranked with bm25. Triggers keep it in step with the tables, so
-- every writer (and every cascade delete) updates the index in the same transaction.
-- entity_id and entity_type are stored but not tokenised; title and body are searched.

CREATE VIRTUAL TABLE bindery_search USING fts5(
    entity_type UNINDEXED,
    entity_id UNINDEXED,
    title,
    body,
    tokenize = 'porter unicode61'
);

CREATE TRIGGER bindery_tasks_search_insert AFTER INSERT ON bindery_tasks BEGIN
    INSERT INTO bindery_search (entity_type, entity_id, title, body)
    VALUES ('task', new.id, new.title, coalesce(new.description, '') || ' ' || new.tags);
END;
CREATE TRIGGER bindery_tasks_search_update AFTER UPDATE OF title, description, tags ON bindery_tasks BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'task' AND entity_id = old.id;
    INSERT INTO bindery_search (entity_type, entity_id, title, body)
    VALUES ('task', new.id, new.title, coalesce(new.description, '') || ' ' || new.tags);
END;
CREATE TRIGGER bindery_tasks_search_delete AFTER DELETE ON bindery_tasks BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'task' AND entity_id = old.id;
END;

CREATE TRIGGER bindery_projects_search_insert AFTER INSERT ON bindery_projects BEGIN
    INSERT INTO bindery_search (entity_type, entity_id, title, body)
    VALUES ('project', new.id, new.name, coalesce(new.description, '') || ' ' || new.tags);
END;
CREATE TRIGGER bindery_projects_search_delete AFTER DELETE ON bindery_projects BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'project' AND entity_id = old.id;
END;

-- A document chunk is found as a note (the spec's entity type for indexed text).
CREATE TRIGGER bindery_chunks_search_insert AFTER INSERT ON bindery_chunks BEGIN
    INSERT INTO bindery_search (entity_type, entity_id, title, body)
    VALUES ('note', new.document_id,
            (SELECT title FROM bindery_documents WHERE id = new.document_id), new.content);
END;
CREATE TRIGGER bindery_chunks_search_delete AFTER DELETE ON bindery_chunks BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'note' AND entity_id = old.document_id;
END;
