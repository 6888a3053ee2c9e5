# Sourced by install.sh and run.sh: the Debian jars the runner needs.
DRIVERS_CP=/usr/share/java/postgresql.jar:/usr/share/java/mariadb-java-client.jar:/usr/share/java/mongo-java-driver.jar
