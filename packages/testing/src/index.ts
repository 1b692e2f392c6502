// Test kit for Switchboard and its plugin authors. Each module below owns one concern.
