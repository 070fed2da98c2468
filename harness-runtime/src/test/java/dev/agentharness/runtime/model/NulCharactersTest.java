package dev.agentharness.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class NulCharactersTest {

    @Test
    void rawNulCharactersAreRemovedFromText() {
        assertEquals("abc", NulCharacters.strip("a\0b\0\0c"));
        assertEquals("plain", NulCharacters.strip("plain"));
        assertNull(NulCharacters.strip(null));
    }

    @Test
    void nulEscapesAreRemovedFromJsonButEscapedBackslashesAreKept() throws Exception {
        assertEquals("{\"q\":\"ab\"}", NulCharacters.stripJson("{\"q\":\"a\\u0000b\"}"));
        assertEquals("{\"q\":\"ab\"}", NulCharacters.stripJson("{\"q\":\"a\0b\"}"));
        // \\u0000 is an escaped backslash followed by the text u0000: no NUL, left alone.
        String literal = "{\"q\":\"a\\\\u0000b\"}";
        assertEquals(literal, NulCharacters.stripJson(literal));
        // \\\u0000 is an escaped backslash and then a NUL escape.
        assertEquals("{\"q\":\"a\\\\b\"}", NulCharacters.stripJson("{\"q\":\"a\\\\\\u0000b\"}"));
        assertEquals("a\\b", new ObjectMapper().readTree(NulCharacters.stripJson("{\"q\":\"a\\\\\\u0000b\"}"))
                .get("q").asText());
    }
}
