# Test images (real OCI layouts built from Debian packages) and fuzz aggregation.
images:
	$(Q)tests/images/build $(B)/images
