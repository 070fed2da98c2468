package dev.agentharness.deploy.argocd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.MathLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;

import java.util.Iterator;
import java.util.Map;

/**
 * Runs an Argo CD Lua script the way Argo CD does: the resource as the global table {@code obj} (decoded from its
 * JSON: objects and arrays become tables, arrays 1-based), the script's return value read back. The globals are
 * limited to base, table, string and math (plus luaj's package table, which they register in): no io, no os —
 * what Argo CD's sandbox offers these scripts at most.
 */
final class ArgoLua {

    private ArgoLua() {
    }

    static LuaValue run(String script, JsonNode obj) {
        Globals globals = new Globals();
        globals.load(new BaseLib());
        globals.load(new PackageLib()); // luaj registers every library in package.loaded
        globals.load(new TableLib());
        globals.load(new StringLib());
        globals.load(new MathLib());
        LoadState.install(globals);
        LuaC.install(globals);
        globals.set("obj", toLua(obj));
        Varargs result = globals.load(script, "script").invoke();
        return result.arg1();
    }

    static LuaValue toLua(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) return LuaValue.NIL;
        if (node.isBoolean()) return LuaValue.valueOf(node.booleanValue());
        if (node.isIntegralNumber()) return LuaValue.valueOf(node.longValue());
        if (node.isNumber()) return LuaValue.valueOf(node.doubleValue());
        if (node.isTextual()) return LuaValue.valueOf(node.textValue());
        LuaTable table = new LuaTable();
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) table.set(i + 1, toLua(node.get(i)));
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                table.set(e.getKey(), toLua(e.getValue()));
            }
        }
        return table;
    }

    /** A Lua table back to JSON: a table with keys 1..n is an array, any other table an object. */
    static JsonNode toJson(LuaValue value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value.isnil()) return f.nullNode();
        if (value.isboolean()) return f.booleanNode(value.toboolean());
        if (value.isinttype()) return f.numberNode(value.toint()); // as Jackson reads small integers
        if (value.isnumber()) return f.numberNode(value.todouble());
        if (value.isstring()) return f.textNode(value.tojstring());
        LuaTable table = value.checktable();
        int length = table.length();
        if (length > 0 && table.keyCount() == length) {
            ArrayNode array = f.arrayNode();
            for (int i = 1; i <= length; i++) array.add(toJson(table.get(i)));
            return array;
        }
        ObjectNode object = f.objectNode();
        LuaValue k = LuaValue.NIL;
        while (true) {
            Varargs next = table.next(k);
            if ((k = next.arg1()).isnil()) break;
            object.set(k.tojstring(), toJson(next.arg(2)));
        }
        return object;
    }
}
