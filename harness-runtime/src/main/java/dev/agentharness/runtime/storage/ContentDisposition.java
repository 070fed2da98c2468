package dev.agentharness.runtime.storage;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code Content-Disposition: attachment} for downloads from every store (RFC 6266): a browser saves the object
 * instead of rendering it on the store's origin. The file name is the key's last segment: an ASCII
 * {@code filename} (anything else replaced by {@code _}) plus {@code filename*} in UTF-8 when the name needs it.
 */
public final class ContentDisposition {

    private ContentDisposition() {
    }

    public static String attachment(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        StringBuilder ascii = new StringBuilder(name.length());
        name.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char) c : '_'));
        String header = "attachment; filename=\"" + ascii + "\"";
        if (ascii.toString().equals(name)) {
            return header;
        }
        return header + "; filename*=UTF-8''" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
