-- Full-text search for the embedded Bindery backend, PostgreSQL dialect: one table of searchable
-- texts (tasks, projects, document chunks) with a generated tsvector (title weighted above body)
-- and a GIN index, ranked with ts_rank. Triggers keep it in step with the tables, so every writer
-- (and every cascade delete) updates the index in the same transaction.

CREATE TABLE bindery_search (
    entity_type  VARCHAR(16)  NOT NULL,
    entity_id    VARCHAR(64)  NOT NULL,
    chunk_seq    INTEGER      NOT NULL DEFAULT 0,
    title        TEXT         NOT NULL,
    body         TEXT         NOT NULL,
    document     tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
    ) STORED,
    PRIMARY KEY (entity_type, entity_id, chunk_seq)
);
CREATE INDEX bindery_search_document ON bindery_search USING GIN (document);

CREATE FUNCTION bindery_tasks_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'task' AND entity_id = OLD.id;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO bindery_search (entity_type, entity_id, title, body)
        VALUES ('task', NEW.id, NEW.title, coalesce(NEW.description, '') || ' ' || NEW.tags);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bindery_tasks_search_insert AFTER INSERT ON bindery_tasks
    FOR EACH ROW EXECUTE FUNCTION bindery_tasks_search();
CREATE TRIGGER bindery_tasks_search_change AFTER UPDATE OF title, description, tags OR DELETE ON bindery_tasks
    FOR EACH ROW EXECUTE FUNCTION bindery_tasks_search();

CREATE FUNCTION bindery_projects_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bindery_search WHERE entity_type = 'project' AND entity_id = OLD.id;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO bindery_search (entity_type, entity_id, title, body)
        VALUES ('project', NEW.id, NEW.name, coalesce(NEW.description, '') || ' ' || NEW.tags);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bindery_projects_search_insert AFTER INSERT ON bindery_projects
    FOR EACH ROW EXECUTE FUNCTION bindery_projects_search();
CREATE TRIGGER bindery_projects_search_change AFTER UPDATE OF name, description, tags OR DELETE ON bindery_projects
    FOR EACH ROW EXECUTE FUNCTION bindery_projects_search();

-- A document chunk is found as a note (the spec's entity type for indexed text).
CREATE FUNCTION bindery_chunks_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM bindery_search WHERE entity_type = 'note' AND entity_id = OLD.document_id AND chunk_seq = OLD.seq;
    ELSE
        INSERT INTO bindery_search (entity_type, entity_id, chunk_seq, title, body)
        VALUES ('note', NEW.document_id, NEW.seq,
                (SELECT title FROM bindery_documents WHERE id = NEW.document_id), NEW.content);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bindery_chunks_search_change AFTER INSERT OR DELETE ON bindery_chunks
    FOR EACH ROW EXECUTE FUNCTION bindery_chunks_search();
