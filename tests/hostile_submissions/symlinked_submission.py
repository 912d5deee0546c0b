"""(Replaced by the test with a symbolic link to the project's reference submission.)"""
