-- Each instance keeps who a token or user is (their roles, disabled or not) in memory for a few seconds, so the
-- API does not authenticate every request with two queries. Whatever changes a token, a user or a user's roles,
-- through the portal or not, notifies every instance on commit, and each forgets that user at once.

CREATE FUNCTION notify_principal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('principal_changes', (CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END)::text);
    IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
        PERFORM pg_notify('principal_changes', OLD.user_id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('principal_changes', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_principal_change
    AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.hash IS DISTINCT FROM NEW.hash OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION notify_principal_change();
CREATE TRIGGER api_tokens_principal_delete
    AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION notify_principal_change();

CREATE TRIGGER user_roles_principal_change
    AFTER INSERT OR UPDATE OR DELETE ON user_roles FOR EACH ROW EXECUTE FUNCTION notify_principal_change();

CREATE TRIGGER users_principal_change
    AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.disabled_at IS DISTINCT FROM NEW.disabled_at OR OLD.user_name IS DISTINCT FROM NEW.user_name)
    EXECUTE FUNCTION notify_user_change();
CREATE TRIGGER users_principal_delete
    AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION notify_user_change();
