-- outside.lua lies one folder above the script's; require takes dotted
-- names only, so no path can reach it.
-- expect: module names are dotted Lua names
-- absent: pwned
require("../outside")
