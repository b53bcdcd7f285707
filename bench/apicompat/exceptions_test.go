package apicompat

// exceptions is the one table of deliberate differences from v3.6. Each row
// must say why a program that built against v3.6 still builds against
// tickraft; a row that no longer matches anything fails the test. It is
// empty: the API matches v3.6 exactly.
var exceptions = []Exception{}
