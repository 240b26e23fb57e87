import boto3

# Uploads invoices to S3.
# TODO: move to the secrets manager before launch.
AWS_ACCESS_KEY_ID = "AKIAQ3EGUJ7RX4MKT2WB"
AWS_SECRET_ACCESS_KEY = "kq8Rz3Vw0Yb7Tn2Lp5Xc9Hs4Jd6Fg1Mu8Ae3Wi0"


def client():
    return boto3.client(
        "s3",
        aws_access_key_id=AWS_ACCESS_KEY_ID,
        aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
    )
