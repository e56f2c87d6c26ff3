// Placeholder so the module builds; replaced as the module lands.
enum ScenariosModule {}
