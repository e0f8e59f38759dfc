package io.switchboard.mattermost;

import io.switchboard.guard.ToolException;
import java.util.Base64;
import java.util.Map;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/** upload_file and get_file_info: a file goes up first, then its id into send_message's file_ids. */
public final class FileTools {

    private final MattermostClient client;

    public FileTools(MattermostClient client) {
        this.client = client;
    }

    public Map<String, Object> upload(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        String filename = Args.required(args, "filename").strip();
        if (filename.length() > 255 || filename.contains("/") || filename.contains("\\") || filename.startsWith(".")) {
            throw ToolException.validation("filename must be a plain file name (no folders), at most 255 characters");
        }
        String encoded = Args.required(args, "content_base64");
        long max = client.settings().maxUploadBytes();
        // Decoded size known before decoding: refuse a too large file without holding it twice.
        if ((long) encoded.length() * 3 / 4 > max + 3) {
            throw ToolException.validation("the file is larger than the limit of " + max + " bytes");
        }
        byte[] content;
        try {
            content = Base64.getMimeDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw ToolException.validation("content_base64 is not valid base64");
        }
        if (content.length > max) {
            throw ToolException.validation("the file is larger than the limit of " + max + " bytes");
        }
        HttpEntity multipart = MultipartEntityBuilder.create()
                .addTextBody("channel_id", channel)
                .addBinaryBody("files", content, ContentType.APPLICATION_OCTET_STREAM, filename)
                .build();
        var answer = client.call(new ApiRequest("POST", "/files", Map.of(), multipart));
        var info = answer.path("file_infos").path(0);
        if (info.isMissingNode()) {
            throw new IllegalStateException("Mattermost answered an upload without file_infos");
        }
        Map<String, Object> r = Shapes.file(info);
        r.put("hint", "pass file_id in send_message's file_ids to attach it to a post");
        return r;
    }

    public Map<String, Object> info(Map<String, Object> args) {
        client.requireConfigured();
        String id = Args.id(args, "file_id");
        return Shapes.file(client.get("/files/" + id + "/info"));
    }
}
