-- scripts/evil.so exists (the runner puts it there); require finds only Lua
-- source.
-- expect: module 'evil' not found
package.cpath = "./?.so;../scripts/?.so"
require("evil")
