import os


class Settings:
    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
    jwt_secret = os.environ["JWT_SECRET"]
    cors_origins = os.environ.get("CORS_ORIGINS", "*").split(",")
    debug = os.environ.get("DEBUG", "false") == "true"
    sentry_dsn = os.environ.get("SENTRY_DSN", "")
    aws_region = os.environ.get("AWS_REGION", "eu-west-1")


settings = Settings()
