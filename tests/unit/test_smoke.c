#include "tap.h"
#include "names.h"
int main(void) { TAP_OK(ns_name_valid("web"), "web is valid"); return tap_done(); }
