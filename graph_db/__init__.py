"""Everything that touches a database: backends, dialect, migrations, repositories."""
