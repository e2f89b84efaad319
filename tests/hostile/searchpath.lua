-- package.searchpath would tell whether a file exists anywhere.
-- expect: attempt to call a nil value (field 'searchpath')
package.searchpath("passwd", "/etc/?")
