package dev.agentharness.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;

/**
 * An Argo CD health check of {@code examples/argocd/} run on a live object, as Argo CD runs it: the object as the global
 * {@code obj}, the returned table's {@code status}. (deploy's ArgoCdCustomizationsTest covers every reason on fixtures;
 * this reads what the operator actually wrote.)
 */
final class ArgoHealth {

    private ArgoHealth() {
    }

    static String of(String script, JsonNode obj) {
        Globals globals = new Globals();
        globals.load(new BaseLib());
        globals.load(new PackageLib());
        globals.load(new TableLib());
        globals.load(new StringLib());
        LoadState.install(globals);
        LuaC.install(globals);
        globals.set("obj", lua(obj));
        try {
            String source = Files.readString(Path.of(script));
            return globals.load(source, script).invoke().arg1().get("status").tojstring();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LuaValue lua(JsonNode node) {
        if (node == null || node.isNull()) {
            return LuaValue.NIL;
        }
        if (node.isValueNode()) {
            return node.isBoolean() ? LuaValue.valueOf(node.booleanValue())
                    : node.isNumber() ? LuaValue.valueOf(node.doubleValue()) : LuaValue.valueOf(node.asText());
        }
        LuaTable table = new LuaTable();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, lua(node.get(i)));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            table.set(field.getKey(), lua(field.getValue()));
        }
        return table;
    }
}
