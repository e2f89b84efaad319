-- The io library is not reachable through require or package.loaded either.
-- expect: module 'io' not found
-- absent: pwned
assert(package.loaded.io == nil and package.loaded.debug == nil)
require("io").open("../pwned", "w")
